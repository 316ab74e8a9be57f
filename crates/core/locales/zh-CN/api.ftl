## API and page texts of the service (api-*)
api-placeholder = 网办
