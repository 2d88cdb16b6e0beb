import { type ArgumentMetadata, BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';
import { type JsonCaps, measureJson } from '@lockbox/analysis-sdk';

function describe(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => (message.startsWith('property ') ? `${path}: unknown field` : `${path}: ${message}`));
    return [...own, ...describe(error.children ?? [], path)];
  });
}

/**
 * JSON bodies arrive parsed (at most 100 KB, the body parser's limit), and class-transformer copies
 * them recursively: 100 KB of "[" would overflow its stack and answer 500. Their nesting is capped
 * first, by a walk that holds one frame per level; fields such as `params` have tighter caps of their own.
 */
export const REQUEST_BODY_CAPS: JsonCaps = Object.freeze({ maxBytes: 1024 * 1024, maxDepth: 16, maxNodes: 20_000, maxStringLength: 1024 * 1024 });

class BoundedValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body') {
      const measured = measureJson(value, REQUEST_BODY_CAPS);
      if (!measured.ok) throw new BadRequestException(`The request body ${measured.message}`);
    }
    return super.transform(value, metadata);
  }
}

/** Request bodies are bounded and whitelisted: unknown fields are rejected, and every problem is named. */
export function createValidationPipe(): ValidationPipe {
  return new BoundedValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new BadRequestException(describe(errors)),
  });
}
