// The drop zone of a `source: folder` model cell: open while files are dragged over the cell; a drop hands the
// folder to the cell's run (app/modelFolder.ts) and starts it. Other cells ignore drags, as the page does.
import { offerFolder, takesFolder } from '../../app/modelFolder.ts';
import { readDroppedFolder } from './modelFolderInput.ts';
import type { Cell } from '../../notebook/types.ts';

export class FolderDropZone {
  open = $state(false);
  // dragenter and dragleave fire for every child the pointer crosses: the zone closes when they balance.
  #depth = 0;

  /** `idle`: no cell is running, so a drop may start this one. */
  constructor(
    private readonly cell: () => Cell,
    private readonly idle: () => boolean,
    private readonly run: () => void,
  ) {}

  enter = (event: DragEvent): void => {
    if (!this.#wants(event)) return;
    event.preventDefault();
    this.#depth++;
    this.open = true;
  };

  over = (event: DragEvent): void => {
    if (!this.#wants(event)) return;
    event.preventDefault(); // else the browser would open the dropped folder in place of the page
    event.dataTransfer!.dropEffect = this.idle() ? 'copy' : 'none';
  };

  leave = (): void => {
    if (this.open && --this.#depth === 0) this.open = false;
  };

  drop = (event: DragEvent): void => {
    if (!this.#wants(event)) return;
    event.preventDefault();
    this.#depth = 0;
    this.open = false;
    if (!this.idle()) return;
    offerFolder(this.cell(), readDroppedFolder(event.dataTransfer!));
    this.run();
  };

  #wants(event: DragEvent): boolean {
    return takesFolder(this.cell()) && !!event.dataTransfer?.types.includes('Files');
  }
}
