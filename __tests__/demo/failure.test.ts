import { ConfigError } from '../../lib/errors'
import { DemoFailure, explain } from '../../lib/cli/demo/failure'

function named(name: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { name }, extra)
}

describe('demo failure messages: what failed, and what to check', () => {
  it('names the step and the AWS error, and keeps the cause', () => {
    const cause = named('ResourceNotFoundException', 'Requested resource not found')
    const failure = explain('Step 5 (GetCommand in us-west-2)', cause)
    expect(failure).toBeInstanceOf(DemoFailure)
    expect(failure.what).toBe('Step 5 (GetCommand in us-west-2) failed: ResourceNotFoundException: Requested resource not found')
    expect(failure.check).toMatch(/table does not exist in that Region.*--create/)
    expect(failure.cause).toBe(cause)
  })

  it.each([
    [named('Error', 'spawn java ENOENT', { code: 'ENOENT' }), /Java 17 or later.*openjdk-17-jre-headless.*brew install openjdk@17/],
    [named('Error', 'connect ECONNREFUSED 127.0.0.1:4566', { code: 'ECONNREFUSED' }), /docker-compose up/],
    [named('CredentialsProviderError', 'Could not load credentials from any providers'), /aws configure.*AWS_PROFILE/],
    [named('AccessDeniedException', 'User is not authorized to perform: kms:Decrypt'), /lack a permission/],
    [named('NotFoundException', "Key 'arn:aws:kms:us-west-2:111122223333:key/mrk-1' does not exist"), /replicate-key.*--create/],
    [new ConfigError('ERR_CONFIG_INVALID', 'awsKmsMrkKeyring: keyArn must be a full KMS key ARN'), /ERR_CONFIG_INVALID/],
  ])('%s', (error, check) => {
    expect(explain('A step', error).check).toMatch(check)
  })

  it('uses the permissions hint of the step when access is denied', () => {
    const failure = explain('Checking the global table', named('AccessDeniedException', 'not authorized'), { permissionsHint: 'see the list at the top' })
    expect(failure.check).toBe('see the list at the top')
  })

  it('does not prefix the library\'s own errors with their class name', () => {
    const failure = explain('Starting DynamoDB Local', new ConfigError('ERR_LOCAL_STACK', 'Cannot start DynamoDB Local: Java was not found'))
    expect(failure.what).toBe('Starting DynamoDB Local failed: Cannot start DynamoDB Local: Java was not found')
  })

  it('passes a DemoFailure through unchanged', () => {
    const original = new DemoFailure('Step 3: the item did not arrive.', 'Check the table.')
    expect(explain('Step 3', original)).toBe(original)
  })
})
