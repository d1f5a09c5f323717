// Saving files from the page: one Blob, one temporary link.

export function downloadFile(name: string, data: BlobPart | BlobPart[], type = 'application/octet-stream'): void {
  const url = URL.createObjectURL(new Blob(Array.isArray(data) ? data : [data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
