import type { SchemaObject } from '@nestjs/swagger';

/**
 * The error bodies of the API (src/common/problem.ts), as OpenAPI schemas. Written by hand rather
 * than derived from a DTO class: no handler returns them, the problem filter does, and a class
 * would only exist to be read by the Swagger plugin.
 */
export const FIELD_ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['field', 'message'],
  properties: {
    field: {
      type: 'string',
      description: 'The body field, query or path parameter, or header that failed (`title`, `limit`, `If-Match`)',
      example: 'title',
    },
    message: { type: 'string', description: 'What is wrong with it, the first rule it breaks', example: 'is required' },
  },
};

export const PROBLEM_SCHEMA: SchemaObject = {
  type: 'object',
  description: 'RFC 9457 problem details: the body of every error, sent as `application/problem+json`',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string', description: 'Always `about:blank`: the status says what kind of error it is', example: 'about:blank' },
    title: { type: 'string', description: "The status code's reason phrase", example: 'Not Found' },
    status: { type: 'integer', minimum: 400, maximum: 599, example: 404 },
    detail: { type: 'string', description: 'A sentence for a person, safe to show', example: 'Task not found' },
    instance: { type: 'string', description: 'The request path', example: '/api/tasks/7' },
    errors: { type: 'array', description: 'Per-field messages, on 422 only', items: { $ref: '#/components/schemas/FieldError' } },
  },
};

/** A 422: a problem that always names the fields at fault. */
export const VALIDATION_PROBLEM_SCHEMA: SchemaObject = {
  description: 'A problem document whose `errors` names each field at fault, with one message per field',
  allOf: [
    { $ref: '#/components/schemas/Problem' },
    {
      type: 'object',
      required: ['errors'],
      properties: {
        status: { type: 'integer', enum: [422] },
        errors: {
          type: 'array',
          description:
            'One entry per field at fault; empty only when the database refused a value that validation let through',
          items: { $ref: '#/components/schemas/FieldError' },
        },
      },
    },
  ],
};

/** POST /api/sync/push's 409: a problem that says which mutation id to send next. */
export const PUSH_GAP_PROBLEM_SCHEMA: SchemaObject = {
  description: 'A problem document with the id of the mutation the server expects next',
  allOf: [
    { $ref: '#/components/schemas/Problem' },
    {
      type: 'object',
      required: ['expected_id'],
      properties: {
        status: { type: 'integer', enum: [409] },
        expected_id: {
          type: 'integer',
          minimum: 1,
          description: "`last_mutation_id + 1`: renumber the client's pending mutations from it",
        },
      },
    },
  ],
};

export const PROBLEM_SCHEMAS: Record<string, SchemaObject> = {
  FieldError: FIELD_ERROR_SCHEMA,
  Problem: PROBLEM_SCHEMA,
  ValidationProblem: VALIDATION_PROBLEM_SCHEMA,
  PushGapProblem: PUSH_GAP_PROBLEM_SCHEMA,
};
