// Imported first by run.ts: the local stack needs no instance metadata, and the SDK's Node 20 notice is noise here.
process.env.AWS_EC2_METADATA_DISABLED = 'true'
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
export {}
