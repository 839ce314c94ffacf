"""Application services: load state through ports, call the domain, persist, emit."""
