import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsDefined,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  ValidateBy,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { NAME_PATTERN, VERSION_PATTERN } from '@lockbox/analysis-sdk';

/** Generous bounds on the shape only; whether the scopes are the right ones is the service's check. */
const MAX_SCOPE_KINDS = 16;
const MAX_SCOPE_FIELDS = 64;
const MAX_NAME_LENGTH = 64;

/** `{ kind: [field, …] }`: an object whose values are lists of field names. */
export function isConsentScopesShape(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_SCOPE_KINDS) return false;
  return entries.every(
    ([kind, fields]) =>
      kind.length <= MAX_NAME_LENGTH &&
      Array.isArray(fields) &&
      fields.length <= MAX_SCOPE_FIELDS &&
      fields.every((field) => typeof field === 'string' && field.length > 0 && field.length <= MAX_NAME_LENGTH),
  );
}

function IsConsentScopes(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isConsentScopes',
      validator: {
        validate: isConsentScopesShape,
        defaultMessage: () => 'must map record kinds to lists of field names, e.g. {"social.posts": ["timestamp", "likes"]}',
      },
    },
    options,
  );
}

class ConsentDto {
  @ApiProperty({
    description: 'Exactly the scopes the analysis version declares: for each record kind, the fields it may read',
    example: { 'social.posts': ['timestamp', 'likes'] },
  })
  @IsDefined()
  @IsConsentScopes()
  scopes: Record<string, string[]>;
}

export class CreateRunDto {
  @ApiProperty({ description: 'The analysis slug', example: 'social-engagement' })
  @IsString()
  @Matches(new RegExp(NAME_PATTERN), { message: 'analysis must be an analysis slug' })
  analysis: string;

  @ApiPropertyOptional({ description: 'A published version; the latest published one when omitted', example: '1.0.0' })
  @IsOptional()
  @IsString()
  @Matches(new RegExp(VERSION_PATTERN), { message: 'version must be a semantic version such as 1.0.0' })
  version?: string;

  @ApiProperty({ description: 'Your datasets to run on (1 to 20)', type: [String], format: 'uuid' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  datasetIds: string[];

  @ApiPropertyOptional({ description: "Run parameters, checked against the analysis' params schema", type: Object })
  @IsOptional()
  @IsObject()
  params?: Record<string, unknown>;

  @ApiProperty({ type: ConsentDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => ConsentDto)
  consent: ConsentDto;
}
