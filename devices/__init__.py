"""Device side of Sentinel: the MQTT wire contract shared by hub, simulators and edge agents."""
