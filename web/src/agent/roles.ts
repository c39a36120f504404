import type { Role, User } from "../api/types";

const RANK: Record<Role, number> = { agent: 0, manager: 1, admin: 2 };

/** Whether `user` has at least `role` (agent < manager < admin). */
export function hasRole(user: Pick<User, "role"> | null | undefined, role: Role): boolean {
  return !!user && RANK[user.role] >= RANK[role];
}

export const isManager = (user: Pick<User, "role"> | null | undefined) => hasRole(user, "manager");
export const isAdmin = (user: Pick<User, "role"> | null | undefined) => hasRole(user, "admin");
