"""MQTT adapter: paho-mqtt 2.x driven by the asyncio loop."""

from hub.adapters.mqtt.client import MqttClient, MqttSettings

__all__ = ["MqttClient", "MqttSettings"]
