## The officers' pages (office-*): login, queue, application view, casework, production,
## dispatch, pickup, supervisor's dashboard.

office-site-name = 工作人员办公区
