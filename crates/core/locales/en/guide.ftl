## The guide, rendered from the rules and the configuration the service enforces

guide-title = Guide to renewing and replacing documents online
guide-intro = Who can use the online service, for which documents and reasons, what the photo and signature must look like, the steps and the deadlines. Every figure on these pages comes from the rules the service applies when you apply.
guide-contents = Contents
guide-back = Back to the guide
guide-check-link = Check whether you can apply online
guide-halls-link = Reception halls: addresses and opening hours
guide-link = Guide: who can apply, photos, steps and deadlines
guide-item = { $text }

guide-who-title = Who can apply online
guide-who-summary = The conditions you must meet.
guide-who-intro = When you check or submit an application, the service checks every condition below and tells you, for each one you do not meet, what to do instead.
guide-who-conditions = The conditions
guide-who-cities = Cities where the online service is open
guide-who-cannot = If you cannot apply online
guide-who-cannot-text = Apply at the exit-entry reception hall of your hukou district: first applications, expired or cancelled documents, residents under { $min }, registered state functionaries and active military apply there.

guide-documents-title = Documents and fees
guide-documents-summary = Which documents, what they cost, how long they are valid.
guide-documents-intro = The online service renews and replaces these documents. The fee is paid online once your application is approved.
guide-documents-fees = Documents and fees
guide-document-item = { $kind }: fee { $fee }
guide-documents-validity = Validity
guide-validity-item = A new document is valid for { $adult } years if you are { $age } or over when it is issued, { $child } years if you are younger.
guide-documents-postage = If it is sent by post, the postage is paid on delivery and is not part of the fee.

guide-reasons-title = Reasons for a new document
guide-reasons-summary = When you can ask for a new document.
guide-reasons-intro = Choose the reason that fits; the service checks it against the records.
guide-reasons-list = The reasons
guide-reason-item = { $reason }: { $detail } (for: { $kinds })
guide-reason-name-expiring-soon = Expiring
guide-reason-name-damaged = Damaged
guide-reason-name-lost-or-stolen = Lost or stolen
guide-reason-name-visa-pages-used-up = Visa pages used up
guide-reason-expiring-soon = you can apply once less than { $months } months of validity are left
guide-reason-damaged = the document is damaged or defaced
guide-reason-lost-or-stolen = it is reported lost when you submit and can no longer be used
guide-reason-visa-pages-used-up = { $pages ->
        [0] no blank visa pages are left
       *[other] at most { $pages } blank visa pages are left
    }

guide-photo-title = The ID photo
guide-photo-summary = What the uploaded photo must look like.
guide-photo-intro = Your photo is checked as soon as you upload it, and you are told what to fix.
guide-photo-rules = The photo
guide-photo-colour = A colour photo against a plain white background.
guide-photo-recent = Taken within the last { $months } months.
guide-photo-size = At least { $width } × { $height } pixels, portrait (3:4); larger phone photos are cropped for you to { $out_width } × { $out_height } pixels.
guide-photo-file = A JPEG or PNG file of at most { $mb } MB.
guide-photo-head = Your head, from crown to chin, fills { $min } to { $max } % of the photo's height, facing the camera, centred.
guide-photo-clothes = Dark clothes with a collar; no light-coloured clothes, no uniform.
guide-photo-cover = No hat or head covering (a religious or medical covering must not hide the face), no tinted glasses, no glare on glasses.
guide-photo-jewellery = No jewellery, no heavy make-up.
guide-photo-retouch = No retouching or beauty filters: a photo edited with an image editor is flagged.

guide-signature-title = The signature
guide-signature-summary = How to write and photograph your signature.
guide-signature-intro = Write your name by hand and upload a photo of it; it is checked as soon as you upload it.
guide-signature-rules = The signature
guide-signature-ink = Black ink on white paper (no pencil, no coloured ink or paper).
guide-signature-horizontal = Written horizontally on one line, tilted no more than { $degrees }°.
guide-signature-even = Characters of even, moderate size: the largest no more than { $ratio } times the smallest.
guide-signature-gap = The gap between characters no more than { $percent } % of a character's width.
guide-signature-file = A JPEG or PNG file of at most { $mb } MB.

guide-steps-title = The steps
guide-steps-summary = From logging in to receiving your document.
guide-steps-intro = The whole application is made online.
guide-steps-list = Step by step
guide-step-login = Log in with your mobile number and the code we send by SMS.
guide-step-identity = Pass real-person authentication: a live photo of your face is matched with your ID record.
guide-step-check = Choose the document and the reason; the service checks whether you can apply online.
guide-step-details = Enter your details and upload your ID photo, your signature and both sides of your resident ID card.
guide-step-review = Submit. An officer reviews it within { $days } working days; if something must be corrected, you are told what, and you have { $correction } days to correct it.
guide-step-pay = When it is approved, an SMS asks you to pay the fee online within { $days } days.
guide-step-produce = After payment the document is made within { $days } working days and sent by post (postage paid on delivery) or handed out at the reception hall of your hukou district.

guide-deadlines-title = Deadlines
guide-deadlines-summary = The time limits, yours and ours.
guide-deadlines-intro = Working days follow the national statutory calendar (public holidays, and weekend days declared working days). Time you spend correcting or paying does not count towards our deadlines.
guide-deadlines-list = The deadlines
guide-deadline-correction = To correct your application when asked: { $days } days, or it is withdrawn.
guide-deadline-payment = To pay after approval: { $days } days, or it is withdrawn.
guide-deadline-review = Our review: within { $days } working days of submission, paused while you correct.
guide-deadline-production = Making the document: within { $days } working days of payment.
guide-deadline-reminder = We send an SMS reminder { $hours } hours before your deadline.
