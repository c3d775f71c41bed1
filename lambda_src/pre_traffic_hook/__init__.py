"""CodeDeploy's BeforeAllowTraffic hook of an API function. Entry point: ``pre_traffic_hook.handler.lambda_handler``."""
