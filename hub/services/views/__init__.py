"""The read side's shapes: what the queries return and what the REST API and the live stream send, each
written once as a pydantic model (the OpenAPI document's response schemas are these models).

Why here, in the service layer: the persistence adapter builds them from rows and the web adapter sends and
documents them, and the read-side port (`hub.services.ports.IncidentQueries`) is typed with them; a module of
either adapter would make the other reach across into it, while both may import the layer below. Pydantic
is no I/O, so the services' contract allows it; the domain stays free of it. Request bodies and query strings,
which only the web adapter reads, stay in `hub.adapters.web.models`."""
