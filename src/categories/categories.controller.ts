import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiParam, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser } from '../auth/current-user.decorator.js';
import { type IfMatch, IfMatchPipe } from '../common/etag.js';
import { OwnershipGuard } from '../common/ownership.guard.js';
import { RequestHeader } from '../common/request-header.decorator.js';
import { ResourceIdPipe } from '../common/resource-id.pipe.js';
import { CategoriesService } from './categories.service.js';
import { CategoryDto, CategoryListDto } from './dto/category.dto.js';
import { CreateCategoryDto } from './dto/create-category.dto.js';
import { UpdateCategoryDto } from './dto/update-category.dto.js';

const IF_MATCH = ApiHeader({
  name: 'If-Match',
  required: false,
  description: "The category's ETag (or `*`): the request applies only if it has not changed since, else 412",
});

/**
 * One implementation for both route families: `/api/categories...` (the token's user) and
 * `/api/{userId}/categories...` (must be the token's user, else 403).
 */
@ApiTags('categories')
@ApiBearerAuth()
@ApiParam({
  name: 'userId',
  type: String,
  required: false,
  description: "Only on /api/{userId}/categories routes: must equal the token's sub",
})
@UseGuards(OwnershipGuard)
@Controller(['api/categories', 'api/:userId/categories'])
export class CategoriesController {
  constructor(private readonly categories: CategoriesService) {}

  /** List all your categories, by name, with their task counts */
  @Get()
  list(@CurrentUser() user: AuthUser): Promise<CategoryListDto> {
    return this.categories.list(user.id);
  }

  /** Create a category (at most 200 per user) */
  @Post()
  create(@CurrentUser() user: AuthUser, @Body() dto: CreateCategoryDto): Promise<CategoryDto> {
    return this.categories.create(user.id, dto);
  }

  /** Get one category */
  @Get(':id')
  findOne(@CurrentUser() user: AuthUser, @Param('id', ResourceIdPipe) id: number): Promise<CategoryDto> {
    return this.categories.findOne(user.id, id);
  }

  /** Rename or recolour a category */
  @Patch(':id')
  @IF_MATCH
  update(
    @CurrentUser() user: AuthUser,
    @Param('id', ResourceIdPipe) id: number,
    @Body() dto: UpdateCategoryDto,
    @RequestHeader('if-match', IfMatchPipe) ifMatch?: IfMatch,
  ): Promise<CategoryDto> {
    return this.categories.update(user.id, id, dto, ifMatch);
  }

  /** Delete a category; its tasks stay and lose it */
  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @IF_MATCH
  remove(
    @CurrentUser() user: AuthUser,
    @Param('id', ResourceIdPipe) id: number,
    @RequestHeader('if-match', IfMatchPipe) ifMatch?: IfMatch,
  ): Promise<void> {
    return this.categories.remove(user.id, id, ifMatch);
  }
}
