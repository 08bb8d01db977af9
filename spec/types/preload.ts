/**
 * Preload result types, pinned exactly (checked by `tsc` in `npm test`); the run-time
 * twins are in spec/preload-options.test.ts.
 */
import { pipe } from 'fp-ts/lib/function.js'
import { all, belongsTo, desc, first, hasMany, integer, manyToMany, preload, select, table, text } from '../../src/index.js'
import type { Equal, Expect, ResultOf } from './shapes.js'
import type * as O from 'fp-ts/lib/Option.js'

const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
const posts = table('posts', { id: integer().primaryKey(), userId: integer('user_id').notNull(), title: text().notNull() })
const tags = table('tags', { id: integer().primaryKey(), label: text().notNull() })
const postTags = table('post_tags', { postId: integer('post_id').notNull(), tagId: integer('tag_id').notNull() })
const userPosts = hasMany(users, posts, posts.userId)
const postAuthor = belongsTo(posts, users, posts.userId)
const postTagList = manyToMany(posts, tags, { through: postTags, from: postTags.postId, to: postTags.tagId })

export const picked = pipe(select(users), preload('posts', userPosts, { columns: ['title'], orderBy: desc(posts.id), limit: 3 }), all)
export type Picked = Expect<Equal<ResultOf<typeof picked>, Array<{ id: number; name: string; posts: Array<{ title: string }> }>>>

export const m2m = pipe(select(posts), preload('tags', postTagList), first)
export type ManyToMany = Expect<
  Equal<ResultOf<typeof m2m>, O.Option<{ id: number; userId: number; title: string; tags: Array<{ id: number; label: string }> }>>
>

export const nestedPicked = pipe(
  select(users),
  preload(
    'posts',
    userPosts,
    { columns: ['id'] },
    preload('tags', postTagList, { columns: ['label'] }),
    preload('author', postAuthor, { columns: ['name'] })
  ),
  all
)
export type NestedPicked = Expect<
  Equal<
    ResultOf<typeof nestedPicked>,
    Array<{ id: number; name: string; posts: Array<{ id: number; tags: Array<{ label: string }>; author: { name: string } | null }> }>
  >
>
