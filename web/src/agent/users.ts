import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/http";
import { listStaff } from "../api/staff";
import type { StaffMember } from "../api/types";
import { useSession } from "./useSession";

/** Every colleague's name and role (`GET /api/v1/staff`, open to any staff member). */
export function useStaffDirectory(): StaffMember[] {
  const { user } = useSession();
  const q = useQuery({
    queryKey: ["staff"],
    queryFn: listStaff,
    enabled: !!user,
    staleTime: 5 * 60_000,
    retry: (n, e) => !(e instanceof ApiError && e.status < 500) && n < 2,
  });
  return q.data?.items ?? [];
}

/** A function naming a staff member by id: "me", a known name, or "Agent #id". `known`
 * adds names learnt elsewhere (authors of a ticket's messages) for users who cannot list staff. */
export function useStaffName(known: ReadonlyMap<number, string> = new Map()): (id: number | null) => string {
  const { t } = useTranslation();
  const { user } = useSession();
  const users = useStaffDirectory();
  return (id) => {
    if (id === null) return t("detail.unassigned");
    if (user && id === user.id) return t("detail.me", { name: user.name });
    return users.find((u) => u.id === id)?.name ?? known.get(id) ?? t("detail.agentN", { id });
  };
}
