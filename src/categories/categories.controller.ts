import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser } from '../auth/current-user.decorator.js';
import { type IfMatch, IfMatchPipe } from '../common/etag.js';
import { OwnershipGuard } from '../common/ownership.guard.js';
import { RequestHeader } from '../common/request-header.decorator.js';
import { ResourceIdPipe } from '../common/resource-id.pipe.js';
import { ApiProblem } from '../openapi/api-problems.decorator.js';
import {
  ApiAuthenticated,
  ApiCreateRoute,
  ApiDeleteRoute,
  ApiListRoute,
  ApiPathUser,
  ApiReadRoute,
  ApiUpdateRoute,
} from '../openapi/api-route.decorator.js';
import { CategoriesService } from './categories.service.js';
import { NAME_TAKEN } from './category.entity.js';
import { CategoryDto, CategoryListDto } from './dto/category.dto.js';
import { CreateCategoryDto } from './dto/create-category.dto.js';
import { UpdateCategoryDto } from './dto/update-category.dto.js';

/**
 * One implementation for both route families: `/api/categories...` (the token's user) and
 * `/api/{userId}/categories...` (must be the token's user, else 403).
 */
@ApiTags('categories')
@ApiAuthenticated()
@ApiPathUser()
@UseGuards(OwnershipGuard)
@Controller(['api/categories', 'api/:userId/categories'])
export class CategoriesController {
  constructor(private readonly categories: CategoriesService) {}

  /** List all your categories, by name, with their task counts */
  @Get()
  @ApiOperation({ operationId: 'listCategories' })
  @ApiListRoute(CategoryListDto, { query: false })
  list(@CurrentUser() user: AuthUser): Promise<CategoryListDto> {
    return this.categories.list(user.id);
  }

  /** Create a category (at most 200 per user) */
  @Post()
  @ApiOperation({ operationId: 'createCategory' })
  @ApiCreateRoute(CategoryDto, CreateCategoryDto)
  @ApiProblem(409, NAME_TAKEN.detail)
  create(@CurrentUser() user: AuthUser, @Body() dto: CreateCategoryDto): Promise<CategoryDto> {
    return this.categories.create(user.id, dto);
  }

  /** Get one category */
  @Get(':id')
  @ApiOperation({ operationId: 'getCategory' })
  @ApiReadRoute(CategoryDto)
  findOne(@CurrentUser() user: AuthUser, @Param('id', ResourceIdPipe) id: number): Promise<CategoryDto> {
    return this.categories.findOne(user.id, id);
  }

  /** Rename or recolour a category */
  @Patch(':id')
  @ApiOperation({ operationId: 'updateCategory' })
  @ApiUpdateRoute(CategoryDto, UpdateCategoryDto)
  @ApiProblem(409, NAME_TAKEN.detail)
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
  @ApiOperation({ operationId: 'deleteCategory' })
  @ApiDeleteRoute()
  remove(
    @CurrentUser() user: AuthUser,
    @Param('id', ResourceIdPipe) id: number,
    @RequestHeader('if-match', IfMatchPipe) ifMatch?: IfMatch,
  ): Promise<void> {
    return this.categories.remove(user.id, id, ifMatch);
  }
}
