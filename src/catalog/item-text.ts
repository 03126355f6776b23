import type { Item } from './types';

/** The text an encoder sees for an item: the fields that say what it is, most telling first. */
export function itemText(item: Item): string {
  return [item.title, item.category, item.tags?.join(', '), item.brand, item.description].filter((part) => part).join('. ');
}
