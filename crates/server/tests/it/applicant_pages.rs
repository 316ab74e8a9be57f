//! The applicant's application pages over plain HTTP: task list, form, uploads, delivery, check
//! your answers, submit, status, correction, payment, tracking.
