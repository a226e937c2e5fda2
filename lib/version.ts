/**
 * The package version, sent in the User-Agent of the AWS clients this library builds.
 * A constant rather than a read of package.json, which is not beside the compiled files after `npm run build`;
 * a test keeps it equal to package.json.
 */
export const PACKAGE_VERSION = '0.1.0'

/** `customUserAgent` entry identifying this library in AWS request logs (CloudTrail `userAgent`). */
export const USER_AGENT: [name: string, version: string] = ['dynamodb-item-encryptor', PACKAGE_VERSION]
