"""Forms for the timetables views, one module per area: lessons, plans, work."""
