import { Input, UnstyledButton } from "@mantine/core";
import { useId, useState, type ChangeEvent } from "react";

/**
 * A key or password field that never writes what is typed into the DOM's
 * attributes. A controlled input (Mantine's PasswordInput is one) has React
 * copy its value into the `value` attribute, so the key would be in anything
 * that serialises the page (a DOM dump, an accessibility tool). This input is
 * uncontrolled: the key lives in the field's property and the form's state.
 */
export function SecretInput(props: {
  label: string;
  description?: string | null;
  placeholder?: string | null;
  withAsterisk?: boolean;
  error?: React.ReactNode;
  onChange: (value: string) => void;
  "data-testid"?: string;
}) {
  const id = useId();
  const [shown, setShown] = useState(false);
  return (
    <Input.Wrapper label={props.label} description={props.description} withAsterisk={props.withAsterisk} error={props.error} id={id}>
      <Input
        id={id}
        type={shown ? "text" : "password"}
        defaultValue=""
        placeholder={props.placeholder ?? undefined}
        autoComplete="off"
        spellCheck={false}
        error={props.error ? true : undefined}
        data-testid={props["data-testid"]}
        onChange={(e: ChangeEvent<HTMLInputElement>) => props.onChange(e.currentTarget.value)}
        rightSectionWidth={56}
        rightSectionPointerEvents="all"
        rightSection={
          <UnstyledButton fz="xs" c="dimmed" onClick={() => setShown((s) => !s)} aria-pressed={shown} aria-label={shown ? "Hide the key" : "Show the key"}>
            {shown ? "Hide" : "Show"}
          </UnstyledButton>
        }
      />
    </Input.Wrapper>
  );
}
