import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, type TransformFnParams } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** Deeper than this, an offset is refused: PostgreSQL would scan every row it skips (and past 2^63 it fails outright). */
export const MAX_PAGE_OFFSET = 1_000_000;

/**
 * A query parameter becomes a number only when it is plain decimal digits. `Number()` alone would take
 * `1e19`, `0x10`, ` 5 ` or an empty string, and `1e19` passes as an integer; anything else stays a
 * string (or an array, for a repeated parameter) and fails validation with a 400.
 */
function decimalDigits({ value }: TransformFnParams): unknown {
  return typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value;
}

export class PageQuery {
  @ApiPropertyOptional({ minimum: 0, maximum: MAX_PAGE_OFFSET, default: 0 })
  @IsOptional()
  @Transform(decimalDigits)
  @IsInt({ message: 'offset must be a whole number in decimal digits' })
  @Min(0)
  @Max(MAX_PAGE_OFFSET)
  offset = 0;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Transform(decimalDigits)
  @IsInt({ message: 'limit must be a whole number in decimal digits' })
  @Min(1)
  @Max(100)
  limit = 20;
}
