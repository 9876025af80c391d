{#- Business rule: a contract's balance at the end of its last month equals the sum of its bookings up
    to that day (the ledger, straight from staging). Returns the contracts where it does not. -#}
with

laatste as (
    select overeenkomst_id, max(maand) as maand
    from {{ ref('fct_contract_maand') }}
    group by overeenkomst_id
),

saldi as (
    select c.overeenkomst_id, c.maand, c.saldo_euro
    from {{ ref('fct_contract_maand') }} as c
    inner join laatste as l
        on l.overeenkomst_id = c.overeenkomst_id and l.maand = c.maand
),

boekingen as (
    select s.overeenkomst_id, sum(b.bedrag) as som
    from saldi as s
    inner join {{ ref('stg_raw__boekingen') }} as b
        on b.overeenkomst_id = s.overeenkomst_id
        and b.boekdatum <= {{ maand_einde('s.maand') }}
        and not b.is_verwijderd
    group by s.overeenkomst_id
)

select s.overeenkomst_id, s.maand, s.saldo_euro, b.som
from saldi as s
left join boekingen as b
    on b.overeenkomst_id = s.overeenkomst_id
where abs(s.saldo_euro - coalesce(b.som, 0)) > 0.005
