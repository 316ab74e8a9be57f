## 办事指南，由服务执行的规则和配置生成

guide-title = 出入境证件网上换补发办事指南
guide-intro = 哪些人可以网上办理，适用于哪些证件和事由，照片和签名的要求，办理步骤和期限。本页所有数字都取自您申请时服务执行的规则。
guide-contents = 目录
guide-back = 返回办事指南
guide-check-link = 检查您能否网上办理
guide-halls-link = 出入境接待大厅：地址和办公时间
guide-link = 办事指南：申请条件、照片、步骤和期限
guide-item = { $text }

guide-who-title = 哪些人可以网上办理
guide-who-summary = 需要满足的条件。
guide-who-intro = 检查或提交申请时，系统逐项检查以下条件；对不满足的每一项，都会告诉您该怎么办。
guide-who-conditions = 申请条件
guide-who-cities = 已开通网上办理的城市
guide-who-cannot = 不能网上办理的
guide-who-cannot-text = 请到户籍所在区的出入境接待大厅办理：首次申请、证件已过期或已注销、未满{ $min }周岁、登记备案的国家工作人员和现役军人，均到窗口办理。

guide-documents-title = 证件和收费
guide-documents-summary = 可办理的证件、收费标准和有效期。
guide-documents-intro = 可网上换发、补发以下证件。申请审批通过后在网上缴费。
guide-documents-fees = 证件和收费
guide-document-item = { $kind }：工本费 { $fee }
guide-documents-validity = 有效期
guide-validity-item = 签发时年满{ $age }周岁的，新证件有效期{ $adult }年；未满{ $age }周岁的，有效期{ $child }年。
guide-documents-postage = 选择邮寄的，邮费到付，不包含在工本费中。

guide-reasons-title = 申请事由
guide-reasons-summary = 什么情况下可以申请换补发。
guide-reasons-intro = 请选择符合您情况的事由，系统将与登记信息核对。
guide-reasons-list = 申请事由
guide-reason-item = { $reason }：{ $detail }（适用于：{ $kinds }）
guide-reason-name-expiring-soon = 有效期即将届满
guide-reason-name-damaged = 证件损毁
guide-reason-name-lost-or-stolen = 证件遗失或被盗
guide-reason-name-visa-pages-used-up = 签证页使用完毕
guide-reason-expiring-soon = 证件有效期不足{ $months }个月时可以申请
guide-reason-damaged = 证件损坏或污损
guide-reason-lost-or-stolen = 提交申请时即报失，原证件作废
guide-reason-visa-pages-used-up = { $pages ->
        [0] 护照签证页已用完
       *[other] 护照空白签证页不超过{ $pages }页
    }

guide-photo-title = 证件照片
guide-photo-summary = 上传照片的要求。
guide-photo-intro = 照片上传后立即检查，并告诉您哪里需要修改。
guide-photo-rules = 照片要求
guide-photo-colour = 彩色照片，白色背景，无杂物。
guide-photo-recent = 近{ $months }个月内拍摄。
guide-photo-size = 不小于{ $width }×{ $height }像素，竖幅（3:4）；较大的手机照片会自动裁剪为{ $out_width }×{ $out_height }像素。
guide-photo-file = JPEG或PNG格式，不超过{ $mb }MB。
guide-photo-head = 正面免冠，头部居中，从头顶到下颌占照片高度的{ $min }%至{ $max }%。
guide-photo-clothes = 穿深色有领上衣，不穿浅色衣服，不穿制服。
guide-photo-cover = 不戴帽子或头饰（因宗教、医疗原因佩戴的不得遮挡面部），不戴有色眼镜，镜片不反光。
guide-photo-jewellery = 不佩戴饰品，不化浓妆。
guide-photo-retouch = 不得修图或使用美颜：经图像编辑软件处理的照片会被标出。

guide-signature-title = 签名
guide-signature-summary = 如何书写和拍摄签名。
guide-signature-intro = 请手写签名并上传照片，上传后立即检查。
guide-signature-rules = 签名要求
guide-signature-ink = 白纸黑字书写（不用铅笔，不用彩色笔或彩色纸）。
guide-signature-horizontal = 横向书写在一行内，倾斜不超过{ $degrees }°。
guide-signature-even = 字体大小适中、均匀：最大的字不超过最小的字的{ $ratio }倍。
guide-signature-gap = 字与字的间隔不超过一个字宽度的{ $percent }%。
guide-signature-file = JPEG或PNG格式，不超过{ $mb }MB。

guide-steps-title = 办理步骤
guide-steps-summary = 从登录到拿到证件。
guide-steps-intro = 申请全程网上办理。
guide-steps-list = 办理步骤
guide-step-login = 用手机号码和短信验证码登录。
guide-step-identity = 通过实人认证：现场拍摄的人脸照片与身份信息比对。
guide-step-check = 选择证件和事由，系统检查您能否网上办理。
guide-step-details = 填写个人信息，上传证件照片、签名照片和居民身份证正反面照片。
guide-step-review = 提交申请。民警在{ $days }个工作日内审核；需要补正的，系统告诉您补正什么，请在{ $correction }日内补正。
guide-step-pay = 审核通过后，短信通知您在{ $days }日内网上缴费。
guide-step-produce = 缴费后{ $days }个工作日内制证，邮寄到您填写的地址（邮费到付），或在户籍所在区的出入境接待大厅领取。

guide-deadlines-title = 办理期限
guide-deadlines-summary = 您和我们的时限。
guide-deadlines-intro = 工作日按国家法定节假日安排计算（含调休上班的周末）。您补正或缴费的时间不计入我们的办理时限。
guide-deadlines-list = 各项期限
guide-deadline-correction = 收到补正通知后补正：{ $days }日内，逾期申请撤回。
guide-deadline-payment = 审核通过后缴费：{ $days }日内，逾期申请撤回。
guide-deadline-review = 审核：提交后{ $days }个工作日内，补正期间暂停计算。
guide-deadline-production = 制证：缴费后{ $days }个工作日内。
guide-deadline-reminder = 期限届满前{ $hours }小时，我们发送短信提醒。
