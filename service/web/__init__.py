"""The HTTP edge: the app factory, dependencies, routes, middleware, error mapping,
the OpenAPI schema and the editors' page."""
