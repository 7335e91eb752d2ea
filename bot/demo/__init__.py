"""The sandbox's demo programme: the people a person plays and a living cohort."""
