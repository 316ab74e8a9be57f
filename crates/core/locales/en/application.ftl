# The application: states, actors, actions, correction and rejection reasons, errors.
# Keys are prefixed app-; the code of each value is in crates/core/src/state/mod.rs.

## Application states

app-state-draft = Draft
app-state-submitted = Submitted
app-state-under-review = Under review
app-state-correction-requested = Correction requested
app-state-awaiting-payment = Awaiting payment
app-state-in-production = In production
app-state-produced = Produced
app-state-dispatched = Dispatched
app-state-ready-for-pickup = Ready for pickup
app-state-delivered = Delivered
app-state-collected = Collected
app-state-withdrawn = Withdrawn
app-state-rejected = Rejected

## Who acts

app-actor-applicant = Applicant
app-actor-reviewer = Reviewer
app-actor-production-operator = Production operator
app-actor-dispatch-clerk = Dispatch clerk
app-actor-supervisor = Supervisor
app-actor-system = System
app-actor-payment-provider = Payment provider
app-actor-production-centre = Production centre
app-actor-postal-service = Postal service
app-actor-system-administrator = System administrator
app-actor-security-administrator = Security administrator
app-actor-auditor = Auditor

## Actions

app-event-submit = Submit
app-event-update-draft = Update draft
app-event-claim = Claim for review
app-event-release = Release to the queue
app-event-request-correction = Request correction
app-event-correct = Resubmit after correction
app-event-approve = Approve
app-event-reject = Reject
app-event-withdraw = Withdraw
app-event-correction-deadline-missed = Correction deadline missed
app-event-payment-deadline-missed = Payment deadline missed
app-event-payment-confirmed = Payment confirmed
app-event-produced = Document produced
app-event-dispatch = Dispatch by post
app-event-send-to-hall = Send to the reception hall
app-event-delivered = Delivered
app-event-delivery-failed = Delivery failed
app-event-collected = Collected

## Delivery methods

app-delivery-mail = By post (postage paid on delivery)
app-delivery-pickup = Collect at the reception hall of your hukou district

## Why an application was withdrawn

app-withdrawal-applicant = Withdrawn by the applicant
app-withdrawal-correction-deadline = Not corrected in time: the application was withdrawn
app-withdrawal-payment-deadline = Not paid in time after approval: the application was withdrawn

## What to correct

app-correction-subject-id-photo = ID photo
app-correction-subject-signature = Signature photo
app-correction-subject-id-card-front = ID card, photo side
app-correction-subject-id-card-back = ID card, emblem side
app-correction-subject-name-pinyin = Name in pinyin
app-correction-subject-address = Mailing address
app-correction-subject-phone = Contact phone number
app-correction-subject-emergency-contact = Emergency contact
app-correction-subject-other = Other

## Why it must be corrected

app-correction-reason-photo-background = The background is not plain white
app-correction-reason-photo-not-recent = The photo was not taken within the last 6 months
app-correction-reason-photo-clothing = Light-coloured or unsuitable clothes
app-correction-reason-photo-head-covering = Head covering worn
app-correction-reason-photo-jewellery = Jewellery worn
app-correction-reason-photo-retouched = The photo has been retouched
app-correction-reason-photo-framing = Head size or position does not meet the requirements
app-correction-reason-signature-format = The signature must be black on white paper, written horizontally, characters of even, moderate size
app-correction-reason-signature-spacing = The gap between characters is more than half a character
app-correction-reason-image-unclear = The image is blurred, has glare or is incomplete
app-correction-reason-id-card-mismatch = Does not match the identity record
app-correction-reason-id-card-expired = The ID card has expired
app-correction-reason-data-incorrect = Incorrect
app-correction-reason-data-incomplete = Incomplete
app-correction-reason-other = Other: see the note

## Why an application was rejected

app-rejection-ineligible = Does not meet the conditions for applying online
app-rejection-identity-mismatch = Identity could not be confirmed
app-rejection-false-information = False or forged information or files
app-rejection-legal-restriction = The law does not allow the document to be issued
app-rejection-duplicate = Another application for the same document is in progress
app-rejection-other = Other: see the note

## Names chosen by code (referenced by the messages below)

app-select-state = { $state ->
        [draft] { app-state-draft }
        [submitted] { app-state-submitted }
        [under_review] { app-state-under-review }
        [correction_requested] { app-state-correction-requested }
        [awaiting_payment] { app-state-awaiting-payment }
        [in_production] { app-state-in-production }
        [produced] { app-state-produced }
        [dispatched] { app-state-dispatched }
        [ready_for_pickup] { app-state-ready-for-pickup }
        [delivered] { app-state-delivered }
        [collected] { app-state-collected }
        [withdrawn] { app-state-withdrawn }
        [rejected] { app-state-rejected }
       *[other] { $state }
    }
app-select-event = { $event ->
        [submit] { app-event-submit }
        [update_draft] { app-event-update-draft }
        [claim] { app-event-claim }
        [release] { app-event-release }
        [request_correction] { app-event-request-correction }
        [correct] { app-event-correct }
        [approve] { app-event-approve }
        [reject] { app-event-reject }
        [withdraw] { app-event-withdraw }
        [correction_deadline_missed] { app-event-correction-deadline-missed }
        [payment_deadline_missed] { app-event-payment-deadline-missed }
        [payment_confirmed] { app-event-payment-confirmed }
        [produced] { app-event-produced }
        [dispatch] { app-event-dispatch }
        [send_to_hall] { app-event-send-to-hall }
        [delivered] { app-event-delivered }
        [delivery_failed] { app-event-delivery-failed }
        [collected] { app-event-collected }
       *[other] { $event }
    }
app-select-actor = { $actor ->
        [applicant] { app-actor-applicant }
        [reviewer] { app-actor-reviewer }
        [production_operator] { app-actor-production-operator }
        [dispatch_clerk] { app-actor-dispatch-clerk }
        [supervisor] { app-actor-supervisor }
        [system] { app-actor-system }
        [payment_provider] { app-actor-payment-provider }
        [production_centre] { app-actor-production-centre }
        [postal_service] { app-actor-postal-service }
        [system_administrator] { app-actor-system-administrator }
        [security_administrator] { app-actor-security-administrator }
        [auditor] { app-actor-auditor }
       *[other] { $actor }
    }

## Errors

app-error-terminal = The application is “{ app-select-state }”: it is closed and can no longer change.
app-error-not-allowed = “{ app-select-event }” is not possible while the application is “{ app-select-state }”.
app-error-actor-not-permitted = The role “{ app-select-actor }” may not perform “{ app-select-event }”.
app-error-wrong-delivery = “{ app-select-event }” is only for applications { $required ->
        [mail] to be sent by post
       *[pickup] to be collected at the reception hall
    }.
app-error-amount-mismatch = The amount paid, { $paid } yuan, does not match the fee of { $expected } yuan fixed at approval.
app-error-empty-correction = Name at least one item for the applicant to correct.
app-error-blank = { $field ->
        [payment_reference] The payment reference
        [document_number] The document number
       *[tracking_number] The tracking number
    } must not be empty.
app-error-time-backwards = This action is dated { $at }, earlier than the previous one ({ $previous }).
app-error-clock = Internal error: the { $clock } clock does not match the application's state. Please tell the system administrator.
