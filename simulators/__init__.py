"""Device simulators for testers and the demo: they speak the same wire contract as real devices."""
