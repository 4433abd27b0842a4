/**
 * Copies text with the async Clipboard API; false when it is missing (plain http on another host, an old
 * browser) or refused (no permission, page not focused), so the caller can ask for a manual copy.
 */
export async function copyText(text: string, clipboard: Pick<Clipboard, 'writeText'> | undefined): Promise<boolean> {
  if (!clipboard?.writeText) return false;
  try {
    await clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
