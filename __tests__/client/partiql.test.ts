import { tablesNamedIn } from '../../lib/client/partiql'
import { tableNameOf } from '../../lib/client/table-name'

const configured = new Set(['Orders', 'my-table', 'dotted.table'])

describe('tablesNamedIn', () => {
  it.each([
    ['SELECT * FROM "Orders" WHERE pk = ?', ['Orders']],
    ['SELECT * FROM Orders WHERE pk = ?', ['Orders']],
    ['select * from "Orders"."byEmail" where email = ?', ['Orders']],
    ['INSERT INTO "my-table" VALUE {\'pk\': ?}', ['my-table']],
    ['UPDATE "dotted.table" SET a = 1 WHERE pk = ?', ['dotted.table']],
    ['DELETE FROM "arn:aws:dynamodb:us-east-1:111122223333:table/Orders" WHERE pk = ?', ['Orders']],
    ['SELECT * FROM "Or""ders"', []],
    ['SELECT * FROM "orders"', []],
    ['SELECT * FROM "Other" WHERE "Orders" = ?', ['Orders']],
    // Literals and comments are not told apart from identifiers (fail closed): a quote inside a comment once hid the table.
    ["SELECT * FROM \"Other\" WHERE name = 'Orders'", ['Orders']],
    ["INSERT INTO /*'*/ \"Orders\" /*'*/ VALUE {'pk': 'a'}", ['Orders']],
    ["INSERT INTO --'\n \"Orders\" VALUE {'pk': 'a'} --'", ['Orders']],
    ["UPDATE /*\"*/ Orders /*\"*/ SET secret = 'x' WHERE pk = 'a'", ['Orders']],
    ['SELECT * FROM `Orders`', ['Orders']],
    ["SELECT * FROM \"Other\" WHERE note = 'my-table.dotted.table'", ['my-table', 'dotted.table']],
  ])('%s', (statement, expected) => {
    expect(tablesNamedIn(statement, configured)).toEqual(expected)
  })
})

describe('tableNameOf', () => {
  it('extracts the table name from an ARN and leaves names alone', () => {
    expect(tableNameOf('arn:aws:dynamodb:eu-west-1:111122223333:table/Orders')).toBe('Orders')
    expect(tableNameOf('arn:aws-cn:dynamodb:cn-north-1:111122223333:table/Orders/index/gsi')).toBe('Orders')
    expect(tableNameOf('Orders')).toBe('Orders')
  })
})
