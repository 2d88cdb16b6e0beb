import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';

/** A transaction that repositories' methods take part in (their first argument). */
export type Transaction = EntityManager;

/**
 * Opens the transactions of services that change several aggregates at once (a run with its outbox
 * message, event and audit row). Services never touch the DataSource: this is their only way to one.
 */
@Injectable()
export class TransactionRunner {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async run<T>(work: (transaction: Transaction) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}
