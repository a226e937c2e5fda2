/**
 * DynamoDB accepts a table's ARN wherever it accepts its name, so a request must be matched to the
 * configuration by the name inside an ARN too, or `arn:…:table/Orders` would bypass the encryption of `Orders`.
 */
const TABLE_ARN = /^arn:[^:]+:dynamodb:[^:]*:[^:]*:table\/([^/]+)(?:\/.*)?$/

export function tableNameOf(nameOrArn: string): string {
  return TABLE_ARN.exec(nameOrArn)?.[1] ?? nameOrArn
}
