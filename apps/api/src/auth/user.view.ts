import type { User } from '@lockbox/db';

/** What the API shows of an account; never the password hash. */
export interface UserView {
  id: string;
  email: string;
  role: string;
  createdAt: string;
}

export function toUserView(user: User): UserView {
  return { id: user.id, email: user.email, role: user.role, createdAt: user.createdAt.toISOString() };
}
