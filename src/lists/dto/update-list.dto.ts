import { PartialType } from '@nestjs/swagger';
import { CreateListDto } from './create-list.dto.js';

/** Any subset of a list's fields. `skipNullProperties: false` keeps `"name": null` an error. */
export class UpdateListDto extends PartialType(CreateListDto, { skipNullProperties: false }) {}
