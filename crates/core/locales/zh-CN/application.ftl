# The application: states, actors, actions, correction and rejection reasons, errors.
# Keys are prefixed app-; the code of each value is in crates/core/src/state/mod.rs.

## 申请状态

app-state-draft = 草稿
app-state-submitted = 待审核
app-state-under-review = 审核中
app-state-correction-requested = 待补正
app-state-awaiting-payment = 待缴费
app-state-in-production = 制证中
app-state-produced = 已制证
app-state-dispatched = 已寄出
app-state-ready-for-pickup = 待领取
app-state-delivered = 已签收
app-state-collected = 已领取
app-state-withdrawn = 已撤回
app-state-rejected = 不予批准

## 办理角色

app-actor-applicant = 申请人
app-actor-reviewer = 审核人员
app-actor-production-operator = 制证人员
app-actor-dispatch-clerk = 发证人员
app-actor-supervisor = 审核主管
app-actor-system = 系统
app-actor-payment-provider = 支付机构
app-actor-production-centre = 制证中心
app-actor-postal-service = 邮政寄递
app-actor-system-administrator = 系统管理员
app-actor-security-administrator = 安全管理员
app-actor-auditor = 安全审计员

## 办理环节

app-event-submit = 提交申请
app-event-update-draft = 修改草稿
app-event-claim = 领取审核
app-event-release = 退回审核队列
app-event-request-correction = 要求补正
app-event-correct = 补正后重新提交
app-event-approve = 审核通过
app-event-reject = 不予批准
app-event-withdraw = 撤回申请
app-event-correction-deadline-missed = 逾期未补正
app-event-payment-deadline-missed = 逾期未缴费
app-event-payment-confirmed = 缴费成功
app-event-produced = 证件制作完成
app-event-dispatch = 寄出证件
app-event-send-to-hall = 送至受理大厅
app-event-delivered = 投递成功
app-event-delivery-failed = 投递失败
app-event-collected = 当面领取

## 取证方式

app-delivery-mail = 邮寄到付
app-delivery-pickup = 到户籍地出入境受理大厅领取

## 撤回原因

app-withdrawal-applicant = 申请人主动撤回
app-withdrawal-correction-deadline = 逾期未补正，申请已撤回
app-withdrawal-payment-deadline = 审核通过后逾期未缴费，申请已撤回

## 需补正的项目

app-correction-subject-id-photo = 证件照片
app-correction-subject-signature = 签名照片
app-correction-subject-id-card-front = 身份证人像面照片
app-correction-subject-id-card-back = 身份证国徽面照片
app-correction-subject-name-pinyin = 姓名拼音
app-correction-subject-address = 邮寄地址
app-correction-subject-phone = 联系电话
app-correction-subject-emergency-contact = 紧急联系人
app-correction-subject-other = 其他

## 补正原因

app-correction-reason-photo-background = 背景不是白色或不均匀
app-correction-reason-photo-not-recent = 不是近6个月内拍摄的照片
app-correction-reason-photo-clothing = 着浅色服装或服装不符合要求
app-correction-reason-photo-head-covering = 佩戴帽子、头巾等头饰
app-correction-reason-photo-jewellery = 佩戴首饰
app-correction-reason-photo-retouched = 照片经过修饰
app-correction-reason-photo-framing = 头部大小或位置不符合要求
app-correction-reason-signature-format = 签名须为白纸黑字、横向书写、字体大小适中均匀
app-correction-reason-signature-spacing = 字间距超过半个字
app-correction-reason-image-unclear = 图像模糊、反光或不完整
app-correction-reason-id-card-mismatch = 与身份信息不一致
app-correction-reason-id-card-expired = 身份证已过有效期
app-correction-reason-data-incorrect = 填写有误
app-correction-reason-data-incomplete = 填写不完整
app-correction-reason-other = 其他原因，详见说明

## 不予批准的原因

app-rejection-ineligible = 不符合网上办理条件
app-rejection-identity-mismatch = 身份核验不一致
app-rejection-false-information = 提交的信息或材料不真实
app-rejection-legal-restriction = 依法不予签发
app-rejection-duplicate = 已有同一证件的申请正在办理
app-rejection-other = 其他原因，详见说明

## 按代码选择名称（供下方消息引用）

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

## 办理错误

app-error-terminal = 申请已处于“{ app-select-state }”状态，办理已结束，不能再进行任何操作。
app-error-not-allowed = 申请当前为“{ app-select-state }”状态，不能进行“{ app-select-event }”。
app-error-actor-not-permitted = { app-select-actor }无权进行“{ app-select-event }”。
app-error-wrong-delivery = “{ app-select-event }”仅适用于{ $required ->
        [mail] 选择邮寄的申请
       *[pickup] 选择到受理大厅领取的申请
    }。
app-error-amount-mismatch = 实付金额 { $paid } 元与审核通过时确定的费用 { $expected } 元不一致。
app-error-empty-correction = 要求补正时，请至少列出一项需要补正的内容。
app-error-blank = { $field ->
        [payment_reference] 支付流水号
        [document_number] 证件号码
       *[tracking_number] 邮件号
    }不能为空。
app-error-time-backwards = 该操作的时间（{ $at }）早于上一操作的时间（{ $previous }）。
app-error-clock = 系统内部错误：{ $clock ->
        [review] 审核
        [correction] 补正
        [payment] 缴费
       *[production] 制证
    }计时与申请状态不一致，请联系系统管理员。
