"""The composition root: the Application wired up, its periodic jobs, `frizon run`."""
