//! The officers' pages over plain HTTP: login with TOTP, queue, application view, casework,
//! production, dispatch, pickup, dashboard.
