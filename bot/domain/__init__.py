"""Pure domain logic: the prompt catalogue, matching, rosters, invite tokens."""
