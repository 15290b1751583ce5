"""What the app brings for a first run without any config: a sample database and its server."""
