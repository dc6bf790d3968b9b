"""The demo school that `manage.py seed_demo` makes: the core's (school.py), then each
app's."""
