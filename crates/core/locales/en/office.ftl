## The officers' pages (office-*): login, queue, application view, casework, production,
## dispatch, pickup, supervisor's dashboard.

office-site-name = Officers' workspace
