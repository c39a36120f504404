import { useMutation, useQueryClient } from "@tanstack/react-query";

/** A change to a ticket; afterwards the ticket and the queue are fetched again. */
export function useTicketMutation<V, R>(ticketId: number, fn: (v: V) => Promise<R>, onSuccess?: (r: R) => void) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: async (r) => {
      onSuccess?.(r);
      await Promise.all([
        qc.invalidateQueries({ queryKey: ["ticket", ticketId] }),
        qc.invalidateQueries({ queryKey: ["tickets"] }),
      ]);
    },
  });
}
