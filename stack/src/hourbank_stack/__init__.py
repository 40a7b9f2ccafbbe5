"""The whole HourBank system on one machine: supervisor, gateway, demo, load and faults."""
