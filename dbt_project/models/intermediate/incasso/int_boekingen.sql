{{ config(materialized="view") }}
{#- The tenant ledger (non-deleted bookings, all dates: the model that aggregates them cuts at the extract
    date) with each booking's group and months (a view: the ledger is the biggest table, stored once in raw).
    Groups (by BOEKINGDETAILSOORT): betaling = BAN, BRT, STO (reversal of a payment), TER (refund);
    correctie = CRE, AFB, VOU (credit, write-off, voucher); gefactureerd = everything else (PRO rent charge,
    EVN, FAC, EIN, AAN, BOR, BET, ...). Amounts keep the contract's sign (+ tenant owes more).
    A booking counts as due (vervallen) from max(boekdatum, vervaldatum); without a vervaldatum from boekdatum. -#}
with

boekingen as (
    select * from {{ ref('stg_raw__boekingen') }}
    where not is_verwijderd
)

select
    boeking_id,
    overeenkomst_id,
    boekdatum,
    vervaldatum,
    case
        when vervaldatum is not null and vervaldatum > boekdatum then vervaldatum
        else boekdatum
    end as verval_effectief,
    boeking_detailsoort,
    case
        when boeking_detailsoort in ('BAN', 'BRT', 'STO', 'TER') then 'betaling'
        when boeking_detailsoort in ('CRE', 'AFB', 'VOU') then 'correctie'
        else 'gefactureerd'
    end as boeking_groep,
    bedrag
from boekingen
