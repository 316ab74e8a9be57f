## 网上办理条件：每条规则的标题、通过说明、未通过说明和办理建议

elig-na-no-document = 您没有此类证件，本条不适用。
elig-na-reason = 本条不适用于您选择的申请事由。

elig-pilot-city-title = 户籍在开通网上办理的城市
elig-pilot-city-pass = 您的户籍在{ $city_zh }，已开通全程网办。
elig-pilot-city-fail = 您的户籍在{ $area }，该地尚未开通全程网办。
elig-pilot-city-next = 请到户籍所在地出入境接待大厅办理，或在当地开通后再网上申请。

elig-minimum-age-title = 年满{ $min }周岁
elig-minimum-age-pass = 您已满{ $min }周岁。
elig-minimum-age-fail = 您现在{ $age }周岁，全程网办仅面向年满{ $min }周岁的居民。
elig-minimum-age-next = 请由监护人陪同，到户籍所在地（{ $district }）出入境接待大厅办理。

elig-state-functionary-title = 不是登记备案的国家工作人员
elig-state-functionary-pass = 您不是登记备案的国家工作人员。
elig-state-functionary-fail = 您是登记备案的国家工作人员，需到窗口办理。
elig-state-functionary-next = 请按所在单位规定办妥审批手续后，到户籍所在地（{ $district }）出入境接待大厅办理。

elig-active-military-title = 不是现役军人
elig-active-military-pass = 您不是现役军人。
elig-active-military-fail = 现役军人需到窗口办理。
elig-active-military-next = 请按部队规定办妥审批手续后，到户籍所在地（{ $district }）出入境接待大厅办理。

elig-issued-before-title = 曾申领过该证件
elig-issued-before-pass = 您曾申领过{ $kind }。
elig-issued-before-fail = 您此前未申领过{ $kind }：首次申请需采集指纹，须本人到窗口办理。
elig-issued-before-next = 请携带居民身份证到户籍所在地（{ $district }）出入境接待大厅办理首次申请。

elig-document-in-force-title = 现持证件仍在有效期内
elig-document-in-force-pass = 您的{ $kind }有效期至{ $expires }，仍在有效期内。
elig-document-in-force-fail = 您的{ $kind }已于{ $expires }过期，过期证件不能网上换发。
elig-document-in-force-cancelled = 您的{ $kind }已被注销，不能网上换发。
elig-document-in-force-next = 请携带居民身份证和原证件到户籍所在地（{ $district }）出入境接待大厅办理。

elig-reported-lost-title = 证件未挂失（挂失证件只能按遗失补发）
elig-reported-lost-pass = 您的{ $kind }未挂失。
elig-reported-lost-fail = 您的{ $kind }已挂失，不能按到期换发或损毁换发办理。
elig-reported-lost-next = 请选择“证件遗失或被盗”作为申请事由重新申请补发。

elig-fingerprints-title = 以往申请时已采集指纹
elig-fingerprints-pass = 您以往申请时已采集指纹。
elig-fingerprints-fail = 系统中没有您的指纹信息，需到窗口采集。
elig-fingerprints-next = 请到户籍所在地（{ $district }）出入境接待大厅办理，届时将采集指纹。

elig-inside-mainland-title = 提交申请时身在中国内地
elig-inside-mainland-pass = 您于{ $date }入境，目前在中国内地。
elig-inside-mainland-never-left = 没有您的出境记录，您目前在中国内地。
elig-inside-mainland-fail = 记录显示您于{ $date }出境后尚未入境，网上申请须在中国内地提交。
elig-inside-mainland-next = 请回到中国内地后再申请；如在境外急需证件，请联系中国驻外使领馆。

elig-reason-fits-kind-title = 申请事由适用于该证件
elig-reason-fits-kind-pass = “{ $reason }”适用于{ $kind }。
elig-reason-fits-kind-fail = “{ $reason }”不适用于{ $kind }（签证页用完仅适用于护照）。
elig-reason-fits-kind-next = 请选择其他申请事由。

elig-expiring-soon-title = 按到期换发时，证件有效期不足{ $months }个月
elig-expiring-soon-pass = 您的{ $kind }将于{ $expires }到期，有效期已不足{ $months }个月。
elig-expiring-soon-fail = 您的{ $kind }有效期至{ $expires }，尚余{ $months }个月以上，暂不需要换发。
elig-expiring-soon-next = 您可于{ $opens }起申请到期换发；如证件损毁、遗失或护照签证页用完，请选择相应事由。

elig-visa-pages-title = 按签证页用完换发时，护照签证页已用完
elig-visa-pages-pass = 您的护照空白签证页还剩{ $pages }页，符合换发条件。
elig-visa-pages-fail = 您的护照还有{ $pages }页空白签证页，尚未用完。
elig-visa-pages-unknown = 系统中没有您护照签证页的使用记录，无法网上确认。
elig-visa-pages-next = 请在签证页用完或护照可按到期换发时再申请，或携带护照到出入境接待大厅由民警核验。

elig-open-application-title = 同一种证件同时只能有一份办理中的申请
elig-open-application-pass = 您没有正在办理的{ $kind }申请。
elig-open-application-fail = 您已有一份正在办理的{ $kind }申请。
elig-open-application-next = 请继续办理该申请，或先撤回后再重新申请。
