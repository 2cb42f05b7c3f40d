import { notOneOf, showValue, ValidationError } from '../../core/validation-error';
import { compatViewName, serviceTableName } from './monolith-table';
import { PlatformModel } from './platform-model';

const INTEGER_TYPES = ['smallint', 'integer', 'bigint'];

/**
 * The rules of the contexts' monolith tables (BoundedContextSpec.monolithTables) that the schema cannot express:
 * a move needs a PostgreSQL store and a monolith that still runs when the service first does; a key, a version
 * column and a column name are each one of the table's columns; no two moves write one service table or one view.
 */
export function checkMonolithTables(model: PlatformModel): void {
  const monolithTables = new Set(model.contexts.flatMap((c) => c.monolithTables.map((t) => t.table)));
  const views = new Map<string, string>();
  model.contexts.forEach((context, i) => {
    if (context.monolithTables.length === 0) return;
    const at = `contexts[${i}].monolithTables`;
    if (context.dataStore.engine !== 'postgresql') {
      throw new ValidationError(at, `context ${showValue(context.name)} keeps its data in ${showValue(context.dataStore.name)} (${context.dataStore.engine}); monolith tables move into a PostgreSQL store only`);
    }
    const first = model.phases.find((p) => p.services.includes(context.name));
    if (first && !first.monolith) {
      throw new ValidationError(at, `the ${context.name} service first runs in phase ${first.phase}, which retires the monolith: its tables must move while the monolith still runs`);
    }
    const serviceTables = new Map<string, number>();
    context.monolithTables.forEach((table, j) => {
      const field = `${at}[${j}]`;
      const names = table.columns.map((c) => c.name);
      names.forEach((name, k) => {
        if (names.indexOf(name) !== k) throw new ValidationError(`${field}.columns[${k}].name`, `duplicate column ${showValue(name)}`);
      });
      if (!names.includes(table.primaryKey)) throw new ValidationError(`${field}.primaryKey`, `not a column of the move: ${notOneOf(table.primaryKey, names)}`);
      if (table.versionColumn !== undefined) {
        if (!names.includes(table.versionColumn)) throw new ValidationError(`${field}.versionColumn`, `not a column of the move: ${notOneOf(table.versionColumn, names)}`);
        if (table.versionColumn === table.primaryKey) throw new ValidationError(`${field}.versionColumn`, `${showValue(table.versionColumn)} is the primary key, which never changes; give the column every writer advances, such as updated_at`);
      }
      const keyType = table.columns.find((c) => c.name === table.primaryKey)!.type;
      if (table.generatedKey && !INTEGER_TYPES.includes(keyType)) {
        throw new ValidationError(`${field}.generatedKey`, `the key ${showValue(table.primaryKey)} is ${keyType}; a generated key is one of ${INTEGER_TYPES.join(', ')}`);
      }
      const serviceTable = serviceTableName(table);
      const earlier = serviceTables.get(serviceTable);
      if (earlier !== undefined) throw new ValidationError(`${field}.serviceTable`, `${showValue(serviceTable)} is written by ${at}[${earlier}] too; each moved table has a service table of its own`);
      serviceTables.set(serviceTable, j);
      const view = compatViewName(table);
      if (monolithTables.has(view)) throw new ValidationError(`${field}.compatView`, `${showValue(view)} is a monolith table; the compatibility view needs a name of its own`);
      const taken = views.get(view);
      if (taken !== undefined) throw new ValidationError(`${field}.compatView`, `${showValue(view)} is the view of ${taken} too; give each a name of its own`);
      views.set(view, field);
    });
  });
}
