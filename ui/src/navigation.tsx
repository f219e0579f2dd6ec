import { createContext, useContext } from "react";

/** What a view can be opened with (e.g. Assign with a waiting change to edit). */
export type AreaParams = { edit?: number; agent?: number; target?: number; search?: string; team?: number };

type Navigate = (area: string, params?: AreaParams) => void;

export const NavigationContext = createContext<{ navigate: Navigate; params: AreaParams }>({
  navigate: () => {},
  params: {},
});

/** Opens another area of the app. */
export function useNavigate(): Navigate {
  return useContext(NavigationContext).navigate;
}

/** The parameters the current area was opened with. */
export function useAreaParams(): AreaParams {
  return useContext(NavigationContext).params;
}
