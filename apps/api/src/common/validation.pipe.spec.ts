import { BadRequestException } from '@nestjs/common';
import { CreateRunDto } from '../runs/dto/create-run.dto';
import { createValidationPipe, REQUEST_BODY_CAPS } from './validation.pipe';

const body = (params: unknown) => ({
  analysis: 'social-engagement',
  datasetIds: ['6f1c7a52-3d5e-4a8b-9c2f-0e1d2c3b4a59'],
  params,
  consent: { scopes: { 'social.posts': ['timestamp'] } },
});

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('createValidationPipe', () => {
  const pipe = createValidationPipe();
  const asBody = { type: 'body' as const, metatype: CreateRunDto };

  it('refuses a body nested past its cap with a 400, before class-transformer copies it (50,000 levels would overflow its stack)', async () => {
    await expect(pipe.transform(body({ a: nested(50_000) }), asBody)).rejects.toThrow(
      new BadRequestException('The request body is nested more than 16 levels deep'),
    );
  });

  it('holds the depth cap on both sides: the body and params are 2 levels', async () => {
    await expect(pipe.transform(body({ a: nested(REQUEST_BODY_CAPS.maxDepth - 2) }), asBody)).resolves.toBeInstanceOf(CreateRunDto);
    await expect(pipe.transform(body({ a: nested(REQUEST_BODY_CAPS.maxDepth - 1) }), asBody)).rejects.toThrow(BadRequestException);
  });
});
