import {
  BadRequestException,
  ConflictException,
  InternalServerErrorException,
  NotFoundException,
} from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { constraintProblem, toProblem, ValidationFailedException } from './problem.js';

const pgError = (code: string, message = 'duplicate key value violates unique constraint "users_email_key"') =>
  new QueryFailedError('INSERT INTO users ...', [], Object.assign(new Error(message), { code }));

describe('toProblem', () => {
  it('words Nest exceptions as RFC 9457 documents', () => {
    expect(toProblem(new NotFoundException('Task not found'), '/api/tasks/1')).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'Task not found',
      instance: '/api/tasks/1',
    });
    expect(toProblem(new ConflictException()).detail).toBe('Conflict');
  });

  it('adds field errors for validation failures', () => {
    const problem = toProblem(new ValidationFailedException([{ field: 'title', message: 'must be a string' }]));
    expect(problem).toMatchObject({
      status: 422,
      title: 'Unprocessable Entity',
      errors: [{ field: 'title', message: 'must be a string' }],
    });
  });

  it('maps PostgreSQL errors by SQLSTATE without leaking SQL', () => {
    expect(toProblem(pgError('23505'))).toMatchObject({ status: 409 });
    expect(toProblem(pgError('22021', 'invalid byte sequence'))).toMatchObject({ status: 422 });
    expect(toProblem(pgError('57014', 'canceling statement due to statement timeout'))).toMatchObject({ status: 503 });
    expect(JSON.stringify(toProblem(pgError('23505')))).not.toMatch(/INSERT|users_email_key/);
  });

  it('words some errors by the constraint that raised them, as their features register them', () => {
    expect(toProblem(Object.assign(pgError('23503'), { constraint: 'other_fkey' })).status).toBe(404);
    constraintProblem('other_fkey', { status: 422, detail: 'Registered words' });
    expect(toProblem(Object.assign(pgError('23503'), { constraint: 'other_fkey' }))).toMatchObject({
      status: 422,
      detail: 'Registered words',
    });
  });

  it('answers a lost database connection with 503', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(toProblem(refused).status).toBe(503);
    expect(toProblem(new Error('timeout exceeded when trying to connect')).status).toBe(503);
    expect(toProblem(pgError('57P01', 'terminating connection due to administrator command')).status).toBe(503);
    const refusedAtConnect = Object.assign(new Error('database "todo" is not currently accepting connections'), {
      code: '55000',
    });
    expect(toProblem(refusedAtConnect).status).toBe(503);
    expect(toProblem(pgError('25006', 'cannot execute INSERT in a read-only transaction')).status).toBe(503);
    expect(toProblem(pgError('08003', "The transaction's connection was lost")).status).toBe(503);
  });

  it('hides the cause of anything unexpected behind a generic 500', () => {
    const problem = toProblem(new TypeError("Cannot read properties of undefined (reading 'secret')"));
    expect(problem).toMatchObject({ status: 500, title: 'Internal Server Error' });
    expect(problem.detail).not.toMatch(/secret|undefined/);
    expect(toProblem(new InternalServerErrorException('db password is hunter2')).detail).not.toMatch(/hunter2/);
  });

  it('keeps the status and message of client errors raised by Fastify', () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), {
      statusCode: 413,
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    });
    expect(toProblem(tooLarge)).toMatchObject({ status: 413, detail: 'Request body is too large' });
    expect(toProblem(new BadRequestException('The request body is not valid JSON'))).toMatchObject({ status: 400 });
  });
});
