/**
 * The Git side of the sync: a bare mirror of one branch ({@link io.grafanaha.sync.git.GitMirror}), fetched on
 * demand, whose commits are read without a checkout.
 */
package io.grafanaha.sync.git;
