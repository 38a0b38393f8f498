// Applied to every test file before it loads.
process.env.CDK_VALIDATION = 'false';
process.env.NODE_NO_WARNINGS = '1';
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = '1';
