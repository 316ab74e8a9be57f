common-hotline = 如有疑问，请拨打国家移民管理局12367服务热线。
