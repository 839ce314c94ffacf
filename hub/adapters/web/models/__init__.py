"""The HTTP boundary's shapes, written once: request models validate bodies and query strings, view models
describe what the API sends, and the OpenAPI document is generated from both (hub.adapters.web.openapi)."""
